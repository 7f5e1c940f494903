// ProxyGradLineEditor
