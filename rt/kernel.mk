# rt/ kernel fragment: rules, routes, links and addresses through
# rtnetlink (rt_kernel.h), appended to librt.a.
