# modules/mqtt/pub.mk: outpost-pub, its page and tests
