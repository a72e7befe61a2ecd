# modules/p2p/ meta fragment (owner: meta).
