# rt/ health fragment: a line's health through the probe engine
# (rt_health.h), appended to librt.a.
