import tzdata from "tzdata";

/** Whether this runtime's Intl (its ICU) can format in the named zone. */
export function intlKnows(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The IANA zones and links of the `tzdata` package that this runtime's Intl knows, sorted. */
export function timeZoneNames(): string[] {
  return Object.keys(tzdata.zones).filter(intlKnows).sort();
}
