@main struct TongkaCounter { static func main() {} }
