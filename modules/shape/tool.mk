# modules/shape/ tool fragment (owner: shtool): shape_apply (the whole
# apply/clear with rollback, appended to libshape.a), outpost-shape, its
# man page, the systemd oneshot unit and the SysV script.
