# modules/shape/ tc fragment (owner: shtc): rtnetlink qdiscs, classes and
# u32 filters through libopnl, kernel probe, diff and apply; appends to
# libshape.a, e.g.
#   modules_shape_libshape_a_SOURCES += modules/shape/shape_tc_encode.c ...
