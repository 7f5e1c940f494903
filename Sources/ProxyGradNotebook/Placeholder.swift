// ProxyGradNotebook
