# modules/p2p/ engine fragment (owner: engine).
