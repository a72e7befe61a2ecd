# src/conf.mk: build fragment
