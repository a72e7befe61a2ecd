# modules/shape/ tc fragment (owner: shtc): rtnetlink qdiscs, classes and
# u32 filters through libopnl, kernel probe, diff and apply; appended to
# libshape.a.
modules_shape_libshape_a_SOURCES += modules/shape/shape_tc_int.h modules/shape/shape_caps.c \
	modules/shape/shape_tc_u32.c modules/shape/shape_tc_encode.c \
	modules/shape/shape_tc_parse.c modules/shape/shape_tc_read.c \
	modules/shape/shape_tc_diff.c modules/shape/shape_tc_format.c \
	modules/shape/shape_tc_apply.c
