# contrib/: example configuration, the outpost user and folders for
# systemd-sysusers and systemd-tmpfiles (later: completion).  The units
# and SysV scripts are installed by the fragment of their daemon.
#
# The example is always installed as outpost.conf.example; it is also
# installed as outpost.conf, but only when no outpost.conf exists, so an
# upgrade never overwrites an administrator's file.  Uninstall removes
# the example, and outpost.conf only while it is still byte-identical to
# the example (never edited), which also keeps `make distcheck` clean.
contrib_edit = sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g'
# Every daemon's systemd unit and SysV script (their fragments use it).
service_edit = $(contrib_edit) -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g'

outpostconfdir = $(sysconfdir)/outpost
outpostconf_DATA = contrib/outpost.conf.example
contrib/outpost.conf.example: contrib/outpost.conf.example.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(contrib_edit) $(srcdir)/contrib/outpost.conf.example.in >$@.tmp && mv $@.tmp $@

# Both files are named outpost.conf where systemd reads them.
sysusers_DATA = contrib/sysusers.d/outpost.conf
tmpfiles_DATA = contrib/tmpfiles.d/outpost.conf
contrib/sysusers.d/outpost.conf: contrib/outpost.sysusers
	$(AM_V_GEN)$(MKDIR_P) contrib/sysusers.d && \
	cp $(srcdir)/contrib/outpost.sysusers $@.tmp && mv $@.tmp $@
contrib/tmpfiles.d/outpost.conf: contrib/outpost.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/tmpfiles.d && \
	$(contrib_edit) $(srcdir)/contrib/outpost.tmpfiles.in >$@.tmp && mv $@.tmp $@

EXTRA_DIST += contrib/outpost.conf.example.in contrib/outpost.sysusers \
	contrib/outpost.tmpfiles.in
CLEANFILES += contrib/outpost.conf.example contrib/sysusers.d/outpost.conf \
	contrib/tmpfiles.d/outpost.conf

install-data-hook: install-outpost-conf install-outpost-activate
install-outpost-conf:
	@conf="$(DESTDIR)$(outpostconfdir)/outpost.conf"; \
	if test -e "$$conf"; then \
	  echo "  keeping existing $$conf"; \
	else \
	  echo " $(INSTALL_DATA) contrib/outpost.conf.example '$$conf'"; \
	  $(INSTALL_DATA) contrib/outpost.conf.example "$$conf"; \
	fi

# What a Debian package's postinst does: create the user and the folders
# now rather than at the next boot.  Only for a real install (no DESTDIR,
# as root) whose files went where systemd reads them: files elsewhere
# belong to a staging tree (make distcheck, a test prefix) that systemd
# never reads, so acting on them would make this system differ from what
# its next boot makes.
install-outpost-activate:
	@if test -n "$(DESTDIR)"; then \
	  echo "  DESTDIR install: the outpost user and folders are made by the package (systemd-sysusers, systemd-tmpfiles)"; \
	elif test "$$(id -u)" != 0; then \
	  echo "  not root: run systemd-sysusers $(sysusersdir)/outpost.conf and systemd-tmpfiles --create $(tmpfilesdir)/outpost.conf as root"; \
	else \
	  case "$(sysusersdir):$(tmpfilesdir)" in \
	  /etc/sysusers.d:*|/usr/lib/sysusers.d:*|/usr/local/lib/sysusers.d:*|/lib/sysusers.d:*) \
	    case "$(tmpfilesdir)" in \
	    /etc/tmpfiles.d|/usr/lib/tmpfiles.d|/usr/local/lib/tmpfiles.d|/lib/tmpfiles.d) sys=1 ;; \
	    *) sys=0 ;; esac ;; \
	  *) sys=0 ;; \
	  esac; \
	  if test "$$sys" = 0; then \
	    echo "  $(sysusersdir) or $(tmpfilesdir) is not read by systemd: not creating the outpost user and folders now"; \
	  elif command -v systemd-sysusers >/dev/null 2>&1 && \
	       command -v systemd-tmpfiles >/dev/null 2>&1; then \
	    echo " systemd-sysusers $(sysusersdir)/outpost.conf"; \
	    systemd-sysusers "$(sysusersdir)/outpost.conf" || exit 1; \
	    echo " systemd-tmpfiles --create $(tmpfilesdir)/outpost.conf"; \
	    systemd-tmpfiles --create "$(tmpfilesdir)/outpost.conf" || exit 1; \
	  else \
	    echo "  no systemd-sysusers/systemd-tmpfiles: the SysV script makes the outpost user and folders at start"; \
	  fi; \
	fi

# The outpost user stays after uninstall, as Debian's packages leave
# their system users: files it owns may remain.
uninstall-hook: uninstall-outpost-conf
uninstall-outpost-conf:
	@conf="$(DESTDIR)$(outpostconfdir)/outpost.conf"; \
	if test -f "$$conf" && cmp -s "$$conf" contrib/outpost.conf.example; then \
	  echo " rm -f '$$conf' (unchanged from the example)"; rm -f "$$conf"; \
	elif test -e "$$conf"; then \
	  echo "  keeping $$conf (edited)"; \
	fi
.PHONY: install-outpost-conf install-outpost-activate uninstall-outpost-conf

# make install, for real into a test prefix and with DESTDIR, is enough
# for outpost-pubd to start (root; tests/install.sh says how).
TESTS += tests/install.sh
dist_check_SCRIPTS += tests/install.sh

# configure names the subsystem behind each required library.
TESTS += tests/configure-deps.sh
dist_check_SCRIPTS += tests/configure-deps.sh
