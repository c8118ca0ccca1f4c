/// Parses the textual forms of a quantity into an exact mantissa/exponent pair.
enum QuantityParser {
    static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]
    static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]

    static func parse(_ text: String) throws(QuantityError) -> (Int64, Int, Quantity.Format) {
        let invalid = QuantityError(message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw QuantityError(message: "quantity cannot be empty") }
        var i = 0
        var negative = false
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenDot = false
        var anyDigit = false
        while i < bytes.count {
            let c = bytes[i]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                anyDigit = true
                // Leading zeros carry no information.
                if !(digits.isEmpty && c == UInt8(ascii: "0")) { digits.append(c - UInt8(ascii: "0")) }
                if seenDot { fractionDigits += 1 }
            } else if c == UInt8(ascii: ".") && !seenDot {
                seenDot = true
            } else {
                break
            }
            i += 1
        }
        if !anyDigit { throw invalid }
        let suffix = String(decoding: bytes[i...], as: UTF8.self)

        var format: Quantity.Format
        var decimalExponent = 0
        var binaryExponent = 0
        if let e = decimalSuffixes[suffix] {
            format = .decimalSI
            decimalExponent = e
        } else if let b = binarySuffixes[suffix] {
            format = .binarySI
            binaryExponent = b
        } else if let first = suffix.first, first == "e" || first == "E", suffix.count > 1,
                  let e = Int(suffix.dropFirst()), abs(e) < 1000 {
            // `Int` accepts a leading +/-; anything else non-numeric was rejected above.
            format = .decimalExponent
            decimalExponent = e
        } else {
            throw QuantityError(message: "unable to parse quantity's suffix")
        }

        // Drop trailing zeros of the digit string (they only move the exponent).
        var exponent = decimalExponent - fractionDigits
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }
        // Round up (away from zero) to nano precision before converting, like Kubernetes.
        // Binary suffixes multiply by 2^k afterwards, so keep full precision for them.
        if binaryExponent == 0 && exponent < -9 {
            let drop = -9 - exponent
            if drop >= digits.count {
                digits = digits.isEmpty ? [] : [1]
            } else {
                let kept = Array(digits[0 ..< digits.count - drop])
                let lost = digits[(digits.count - drop)...].contains { $0 != 0 }
                digits = kept
                if lost { digits = increment(digits) }
            }
            exponent = -9
        }
        if digits.count > 18 { throw QuantityError(message: "quantity \(text) is too large or too precise") }
        var mantissa: Int64 = 0
        for d in digits { mantissa = mantissa * 10 + Int64(d) }
        if binaryExponent > 0 {
            for _ in 0 ..< binaryExponent {
                let (p, overflow) = mantissa.multipliedReportingOverflow(by: 2)
                if overflow { throw QuantityError(message: "quantity \(text) is too large") }
                mantissa = p
            }
            // Normalize, then round the result to nano precision too.
            while mantissa != 0 && mantissa % 10 == 0 {
                mantissa /= 10
                exponent += 1
            }
            if exponent < -9 {
                var divisor: Int64 = 1
                for _ in 0 ..< (-9 - exponent) where divisor < Int64.max / 10 { divisor *= 10 }
                let (q, r) = mantissa.quotientAndRemainder(dividingBy: divisor)
                mantissa = r == 0 ? q : q + 1
                exponent = -9
            }
        }
        return (negative ? -mantissa : mantissa, exponent, format)
    }

    private static func increment(_ digits: [UInt8]) -> [UInt8] {
        var d = digits
        var i = d.count - 1
        while i >= 0 {
            if d[i] < 9 {
                d[i] += 1
                return d
            }
            d[i] = 0
            i -= 1
        }
        return [1] + d
    }
}
