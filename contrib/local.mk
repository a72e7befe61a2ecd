# contrib build fragment
