# modules/p2p/ net fragment (owner: net).
