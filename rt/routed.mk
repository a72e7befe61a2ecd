# rt/ daemon fragment: outpost-routed, its man page and service files.
