// ProxyGradRuntime
