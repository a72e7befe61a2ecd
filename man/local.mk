# man build fragment
