/* Shared by the pages (autograd_mini/pages joins it into each page's script): numbers. */
// ---- numbers as Python's f"{x:.{p}g}" writes them (ties to even, as Python rounds) ----
function fmt(x, p) {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  var sign = (x < 0 || Object.is(x, -0)) ? "-" : "";
  var a = Math.abs(x);
  if (a === 0) return sign + "0";
  var e = a.toExponential(p - 1);
  var long = a.toExponential(Math.min(100, p + 24)).split("e");
  var digits = long[0].replace(".", "");
  if (digits.charAt(p) === "5" && /^0*$/.test(digits.slice(p + 1)) && Number(digits.charAt(p - 1)) % 2 === 0) {
    e = digits.charAt(0) + (p > 1 ? "." + digits.slice(1, p) : "") + "e" + long[1];  // a tie: keep the even digit
  }
  var parts = e.split("e"), exp = Number(parts[1]), mant = parts[0].replace(".", "");
  if (exp < -4 || exp >= p) {
    var m = mant.charAt(0) + (mant.length > 1 ? "." + mant.slice(1) : "");
    if (m.indexOf(".") >= 0) m = m.replace(/0+$/, "").replace(/\.$/, "");
    var ae = Math.abs(exp);
    return sign + m + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + ae;
  }
  var s;
  if (exp >= 0) {
    s = mant.slice(0, exp + 1) + "." + mant.slice(exp + 1);
  } else {
    s = "0." + new Array(-exp).join("0") + mant;
  }
  s = s.replace(/0+$/, "").replace(/\.$/, "");
  return sign + s;
}
var f4 = function (x) { return fmt(x, 4); };
var f6 = function (x) { return fmt(x, 6); };
