# modules/p2p/ tests fragment (owner: tests): outpost-p2p against real
# clients (aria2c, transmission-cli, libtorrent), a tracker, LSD, web
# seeds, a lying peer and malicious .torrent files, each in its own world
# of tests/p2p/p2p-lib.sh (root); and the benches against aria2c.
EXTRA_DIST += tests/p2p/p2p-lib.sh tests/p2p/region-lib.sh tests/tools/bt-lt.py \
	tests/tools/bt-corrupt.py tests/tools/bt-badmeta.py tests/tools/http-keep-drop.py

p2p_tests = tests/p2p/p2p-world.sh tests/p2p/p2p-aria2.sh tests/p2p/p2p-transmission.sh tests/p2p/p2p-libtorrent.sh \
	tests/p2p/p2p-tracker.sh tests/p2p/p2p-lsd.sh tests/p2p/p2p-webseed.sh \
	tests/p2p/p2p-resume.sh tests/p2p/p2p-corrupt.sh tests/p2p/p2p-badmeta.sh \
	tests/p2p/p2p-swarm.sh tests/p2p/region-world.sh
TESTS += $(p2p_tests)
dist_check_SCRIPTS += $(p2p_tests)

# make bench: throughput and CPU per GiB against aria2c both ways; time
# for 1 seed to 8 peers; a region behind one capped line (curl, aria2c,
# outpost-p2pd) and the scaling simulation driven by it.
bench_scripts += tests/bench/p2p-aria2.sh tests/bench/p2p-swarm.sh tests/bench/p2p-lan.sh \
	tests/bench/p2pd-region.sh
EXTRA_DIST += tests/bench/p2pd-sim.py
