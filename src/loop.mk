# src/loop.mk: build fragment
