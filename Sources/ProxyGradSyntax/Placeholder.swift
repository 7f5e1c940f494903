// ProxyGradSyntax
