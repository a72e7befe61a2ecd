# src/ control-socket fragment: ctl.h, a daemon's Unix control socket
# and its client, part of libop.
# (owner: the health/ctl part of issue 9)
