# modules/mqtt/pubd.mk: outpost-pubd, its page, service files and tests
