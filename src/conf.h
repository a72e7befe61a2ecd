/* conf.h: placeholder, owned by the config work */
