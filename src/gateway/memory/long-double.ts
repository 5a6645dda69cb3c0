import { CommandError } from "../protocol.ts";
import { NOT_A_FLOAT } from "./numbers.ts";
import type { Bytes } from "./reply.ts";

/**
 * INCRBYFLOAT and HINCRBYFLOAT compute in C `long double` (x87 80-bit: a 64-bit mantissa) and
 * print "%.17Lf" with trailing zeros trimmed, which is why Redis answers 5000 + 2.5e-3 with
 * "5000.00249999999999995". JS has no such type, so it is emulated exactly with BigInt:
 * a value is mantissa * 2^exponent with |mantissa| < 2^64.
 */
interface LongDouble {
  mantissa: bigint;
  exponent: number;
}

const MANTISSA_BITS = 64n;
const LOW = 1n << (MANTISSA_BITS - 1n);
const HIGH = 1n << MANTISSA_BITS;
const DECIMAL_SYNTAX = /^([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$/;
const MAX_DECIMAL_EXPONENT = 5000;

/** a + b as Redis stores it, or an error when a string is not a float or the sum is not finite. */
export function addLongDoubles(current: Bytes, increment: Bytes, currentError = NOT_A_FLOAT): Bytes {
  const b = parseLongDouble(increment, NOT_A_FLOAT);
  const a = parseLongDouble(current, currentError);
  if (typeof a === "number" || typeof b === "number") {
    throw new CommandError("ERR increment would produce NaN or Infinity");
  }
  const exponent = Math.min(a.exponent, b.exponent);
  const sum = (a.mantissa << BigInt(a.exponent - exponent)) + (b.mantissa << BigInt(b.exponent - exponent));
  return formatFixed17(
    exponent >= 0 ? round(sum << BigInt(exponent), 1n) : round(sum, 1n << BigInt(-exponent)),
  );
}

/** strtold with Redis's string2ld checks; infinities come back as a JS number. */
function parseLongDouble(text: Bytes, error: string): LongDouble | number {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  const match = DECIMAL_SYNTAX.exec(text);
  if (!match) throw new CommandError(error);
  const [, sign = "", whole = "", fraction = "", onlyFraction = "", exponentText = "0"] = match;
  const digits = `${whole}${fraction}${onlyFraction}` || "0";
  const decimalExponent = Number(exponentText) - (fraction.length + onlyFraction.length);
  const numerator = BigInt(digits) * (sign === "-" ? -1n : 1n);
  if (numerator === 0n) return { mantissa: 0n, exponent: 0 };
  if (Math.abs(decimalExponent) > MAX_DECIMAL_EXPONENT) throw new CommandError(error);
  return decimalExponent >= 0
    ? round(numerator * 10n ** BigInt(decimalExponent), 1n)
    : round(numerator, 10n ** BigInt(-decimalExponent));
}

/** Rounds numerator/denominator (denominator > 0) to 64 significant bits, ties to even. */
function round(numerator: bigint, denominator: bigint): LongDouble {
  if (numerator === 0n) return { mantissa: 0n, exponent: 0 };
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let exponent = bitLength(magnitude) - bitLength(denominator) - Number(MANTISSA_BITS);
  let quotient: bigint;
  let remainder: bigint;
  let divisor: bigint;
  for (;;) {
    const scaled = exponent >= 0 ? magnitude : magnitude << BigInt(-exponent);
    divisor = exponent >= 0 ? denominator << BigInt(exponent) : denominator;
    quotient = scaled / divisor;
    remainder = scaled % divisor;
    if (quotient >= HIGH) exponent++;
    else if (quotient < LOW) exponent--;
    else break;
  }
  if (2n * remainder > divisor || (2n * remainder === divisor && quotient % 2n === 1n)) quotient++;
  if (quotient === HIGH) {
    quotient = LOW;
    exponent++;
  }
  return { mantissa: negative ? -quotient : quotient, exponent };
}

/** printf("%.17Lf") with trailing zeros (and a bare point) removed, "-0" printed as "0". */
function formatFixed17(value: LongDouble): Bytes {
  const negative = value.mantissa < 0n;
  const magnitude = negative ? -value.mantissa : value.mantissa;
  const scale = 10n ** 17n;
  let scaled: bigint;
  if (value.exponent >= 0) scaled = (magnitude << BigInt(value.exponent)) * scale;
  else {
    const divisor = 1n << BigInt(-value.exponent);
    const product = magnitude * scale;
    scaled = product / divisor;
    const remainder = product % divisor;
    if (2n * remainder > divisor || (2n * remainder === divisor && scaled % 2n === 1n)) scaled++;
  }
  const whole = (scaled / scale).toString();
  const fraction = (scaled % scale).toString().padStart(17, "0").replace(/0+$/, "");
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== "0" ? `-${text}` : text;
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}
