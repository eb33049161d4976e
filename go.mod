module distkit

go 1.25
