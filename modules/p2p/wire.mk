# modules/p2p/ wire fragment (owner: wire).
