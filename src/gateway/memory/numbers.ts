import { CommandError } from "../protocol.ts";
import type { Bytes } from "./reply.ts";

export const NOT_AN_INTEGER = "ERR value is not an integer or out of range";
export const NOT_A_FLOAT = "ERR value is not a valid float";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_SYNTAX = /^(?:0|-?[1-9][0-9]{0,19})$/;
const FLOAT_SYNTAX = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)$/i;

/** Redis's string2ll: no sign but '-', no leading zeros, no spaces, within int64. */
export function parseInt64(bytes: Bytes, error = NOT_AN_INTEGER): bigint {
  if (!INTEGER_SYNTAX.test(bytes)) throw new CommandError(error);
  const value = BigInt(bytes);
  if (value < INT64_MIN || value > INT64_MAX) throw new CommandError(error);
  return value;
}

export function parseInteger(bytes: Bytes, error = NOT_AN_INTEGER): number {
  return Number(parseInt64(bytes, error));
}

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** Redis's getDoubleFromObject: strtod syntax, whole string, no NaN, no overflow to infinity. */
export function parseDouble(bytes: Bytes, error = NOT_A_FLOAT): number {
  const value = tryParseDouble(bytes);
  if (value === undefined) throw new CommandError(error);
  return value;
}

export function tryParseDouble(bytes: Bytes): number | undefined {
  if (!FLOAT_SYNTAX.test(bytes)) return undefined;
  const unsigned = bytes.replace(/^[+-]/, "").toLowerCase();
  const negative = bytes.startsWith("-");
  if (unsigned.startsWith("inf")) return negative ? -Infinity : Infinity;
  const value = Number(bytes);
  if (!Number.isFinite(value)) return undefined;
  if (value === 0 && /[1-9]/.test(unsigned.split("e")[0] ?? "")) return undefined;
  return value;
}

/** C's printf("%.<precision>g"). */
export function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential(precision - 1).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= precision) {
    const sign = exponent < 0 ? "-" : "+";
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return stripZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

function stripZeros(decimal: string): string {
  return decimal.includes(".") ? decimal.replace(/\.?0+$/, "") : decimal;
}

/** Redis's d2string, used for scores and Lua numbers: integers exactly, the rest as %.17g. */
export function formatDouble(value: number): string {
  if (value === 0) return "0";
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 52) return String(value);
  return formatG(value, 17);
}
