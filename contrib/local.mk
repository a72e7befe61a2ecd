# contrib/: example configuration (later: init scripts, units, completion).
#
# The example is always installed as outpost.conf.example; it is also
# installed as outpost.conf, but only when no outpost.conf exists, so an
# upgrade never overwrites an administrator's file.  Uninstall removes
# the example, and outpost.conf only while it is still byte-identical to
# the example (never edited), which also keeps `make distcheck` clean.
outpostconfdir = $(sysconfdir)/outpost
dist_outpostconf_DATA = contrib/outpost.conf.example

install-data-hook: install-outpost-conf
install-outpost-conf:
	@conf="$(DESTDIR)$(outpostconfdir)/outpost.conf"; \
	if test -e "$$conf"; then \
	  echo "  keeping existing $$conf"; \
	else \
	  echo " $(INSTALL_DATA) $(srcdir)/contrib/outpost.conf.example '$$conf'"; \
	  $(INSTALL_DATA) $(srcdir)/contrib/outpost.conf.example "$$conf"; \
	fi

uninstall-hook: uninstall-outpost-conf
uninstall-outpost-conf:
	@conf="$(DESTDIR)$(outpostconfdir)/outpost.conf"; \
	if test -f "$$conf" && cmp -s "$$conf" $(srcdir)/contrib/outpost.conf.example; then \
	  echo " rm -f '$$conf' (unchanged from the example)"; rm -f "$$conf"; \
	elif test -e "$$conf"; then \
	  echo "  keeping $$conf (edited)"; \
	fi
.PHONY: install-outpost-conf uninstall-outpost-conf
