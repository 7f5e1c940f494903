// ProxyGradSession
