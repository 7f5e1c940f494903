// ProxyGradTensor
