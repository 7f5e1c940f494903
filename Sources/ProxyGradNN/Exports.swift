@_exported import ProxyGradTensor
