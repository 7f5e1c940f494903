// ProxyGradNN
