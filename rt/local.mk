# rt/ build fragment: policy routing; for now the [line] section.
