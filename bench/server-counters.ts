/** The API's own counters (GET /metrics) that the bench turns into figures per request under load. */
const COUNTERS = {
  redisRoundTrips: 'tixgenius_dependency_duration_seconds_count{dependency="redis"}',
  sqlStatements: 'tixgenius_dependency_duration_seconds_count{dependency="postgres"}',
} as const;

export function serverCounters(baseUrl: string, metricsToken: string) {
  return async (): Promise<Record<string, number>> => {
    const response = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
    const lines = (await response.text()).split("\n");
    const readSeries = (series: string) =>
      Number(lines.find((line) => line.startsWith(`${series} `))?.split(" ")[1] ?? 0);
    return Object.fromEntries(Object.entries(COUNTERS).map(([name, series]) => [name, readSeries(series)]));
  };
}
