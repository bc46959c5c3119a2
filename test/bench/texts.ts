/** Deterministic, distinct English-like sentences for benchmarks (~12 words each). */
const WORDS =
  "the a search engine vector cache tenant model query document index retrieve passage answer fast slow quiet river mountain city data graph token batch server edge worker cloud memory network latency price budget report customer product support ticket invoice order shipment warehouse".split(
    " ",
  );

export function sentences(count: number, seed: number): string[] {
  let state = (seed * 2654435761 + 12345) >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from(
      { length: 12 },
      () => WORDS[next() % WORDS.length],
    );
    return `${words.join(" ")} #${seed}-${i}`;
  });
}
