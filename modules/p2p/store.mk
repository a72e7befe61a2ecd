# modules/p2p/ store fragment (owner: store).
