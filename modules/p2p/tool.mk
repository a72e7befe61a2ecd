# modules/p2p/ tool fragment (owner: tool).
