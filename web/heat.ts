// The page's one colour scale, shared by the explorer (main.ts) and the training explorer (train.ts).

/**
 * A diverging scale readable with colour-blind vision: blue for negative, orange for positive, white
 * at zero, light enough that dark text keeps a contrast above 4.5:1 (the numbers are always shown).
 */
export function heat(v: number, max: number): string {
  const t = max > 0 ? Math.min(1, Math.abs(v) / max) : 0;
  const [r, g, b] = v < 0 ? [103, 169, 207] : [239, 138, 98];
  const mix = (c: number): number => Math.round(255 + (c - 255) * t * 0.9);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}
