// ProxyGradTestSupport
