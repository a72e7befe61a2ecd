# src/spool.mk: build fragment
