# modules/mqtt build fragment
