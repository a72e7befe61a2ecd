# outpost-probed and the [probe] section.
