extension Quantity {
    /// The canonical string Kubernetes prints: the format the quantity was written with
    /// (binary SI only for integers of magnitude ≥ 1024; otherwise decimal SI), the largest
    /// suffix that keeps the number an integer, and "0" for zero.
    public var description: String {
        if mantissa == 0 { return "0" }
        var effective = format
        if format == .binarySI {
            let magnitude = compare(Quantity(1024)) >= 0 || compare(Quantity(-1024)) <= 0
            if !magnitude || exponent < 0 { effective = .decimalSI }
        }
        switch effective {
        case .decimalSI, .decimalExponent:
            var amount = mantissa
            var e = exponent
            // Make the exponent a multiple of 3 by moving digits into the amount.
            var r = e % 3
            if r < 0 { r += 3 }
            if r != 0, let scaled = Quantity.multiply(amount, byPowerOf10: r) {
                amount = scaled
                e -= r
            }
            return "\(amount)" + Quantity.decimalSuffix(exponent: e, format: effective)
        case .binarySI:
            // Integer value here (exponent ≥ 0, fits after the magnitude check or saturates).
            guard var amount = Quantity.multiply(mantissa, byPowerOf10: exponent) else {
                return "\(mantissa)e\(exponent)"
            }
            var power = 0
            while power < 6 && amount % 1024 == 0 {
                amount /= 1024
                power += 1
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
            return "\(amount)\(suffix)"
        }
    }

    static func decimalSuffix(exponent: Int, format: Format) -> String {
        if format == .decimalSI {
            switch exponent {
            case -9: return "n"
            case -6: return "u"
            case -3: return "m"
            case 0: return ""
            case 3: return "k"
            case 6: return "M"
            case 9: return "G"
            case 12: return "T"
            case 15: return "P"
            case 18: return "E"
            default: break
            }
        }
        return exponent == 0 ? "" : "e\(exponent)"
    }
}
