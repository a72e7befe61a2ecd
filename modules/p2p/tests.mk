# modules/p2p/ tests fragment (owner: tests).
