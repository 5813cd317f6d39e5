/**
 * Random Cut Forest over shingled points.
 *
 * Based on: S. Guha, N. Mishra, G. Roy, O. Schrijvers, "Robust Random Cut Forest Based Anomaly
 * Detection on Streams", ICML 2016. Each tree is a robust random cut tree (RRCT) over a sliding window
 * of the most recent `windowSize` points: a cut dimension is chosen with probability proportional to
 * the bounding box's extent along it and the cut value uniformly within it. Points are inserted and
 * deleted incrementally (Sec. 3 of the paper: insertion yields a tree distributed as if built from
 * scratch, and deletion likewise), so the forest learns continuously with bounded memory.
 * The anomaly score is the collusive displacement (CoDisp, Def. 6 of the paper) averaged over trees:
 * the largest ratio, along the point's path, of the sibling subtree's size to the size of the subtree
 * containing the point — i.e. how many points' depths change if this point were removed.
 *
 * Input points may be vectors (multivariate). With `shingleSize` s > 1 the forest sees the
 * concatenation of the last s input vectors (a "shingle", Sec. 4 of the paper), so it detects
 * anomalous shapes as well as anomalous values. Dimensions should be on comparable scales.
 * Deterministic given `seed`.
 */
import { type Detector, type Point, clamp01, toVector } from './types.ts';
import { mulberry32 } from './stats.ts';

interface RNode {
  parent: RNode | null;
  left: RNode | null; // null for leaves
  right: RNode | null;
  dim: number;
  cut: number;
  min: Float64Array; // bounding box (leaves share one array for min and max)
  max: Float64Array;
  n: number; // number of points below (multiplicity for leaves)
}

export class RandomCutTree {
  root: RNode | null = null;
  nodeCount = 0;
  constructor(private readonly rand: () => number) {}

  /** Inserts a point; returns its leaf (an existing one when the point is a duplicate). */
  insert(p: Float64Array): RNode {
    if (this.root === null) {
      this.root = this.leaf(p);
      return this.root;
    }
    let node: RNode = this.root;
    const d = p.length;
    for (;;) {
      // Cut on the bounding box of node ∪ {p}.
      let total = 0;
      for (let i = 0; i < d; i++) total += Math.max(node.max[i]!, p[i]!) - Math.min(node.min[i]!, p[i]!);
      if (total === 0) {
        // p duplicates the (single-point) box: it must be a leaf equal to p.
        for (let a: RNode | null = node; a; a = a.parent) a.n++;
        return node;
      }
      let r = this.rand() * total;
      let dim = -1;
      let lo = 0;
      let span = 0;

      for (let i = 0; i < d; i++) {
        const l = Math.min(node.min[i]!, p[i]!);
        const s = Math.max(node.max[i]!, p[i]!) - l;
        if (s <= 0) continue;
        dim = i;
        lo = l;
        span = s;
        if (r < s) break;
        r -= s;
      }
      // r < span except for float rounding, where the last dimension with extent is cut mid-way.
      const cut = r < span ? lo + r : lo + span / 2;
      const separatesLeft = cut < node.min[dim]!; // p alone below the cut
      const separatesRight = cut >= node.max[dim]!; // p alone above the cut (p[dim] > cut as cut < lo + span)
      if (separatesLeft || separatesRight) {
        const leaf = this.leaf(p);
        const parent = node.parent;
        const inner: RNode = {
          parent, left: separatesLeft ? leaf : node, right: separatesLeft ? node : leaf,
          dim, cut, min: new Float64Array(d), max: new Float64Array(d), n: node.n + 1,
        };
        for (let i = 0; i < d; i++) {
          inner.min[i] = Math.min(node.min[i]!, p[i]!);
          inner.max[i] = Math.max(node.max[i]!, p[i]!);
        }
        this.nodeCount++;
        leaf.parent = inner;
        node.parent = inner;
        if (parent === null) this.root = inner;
        else if (parent.left === node) parent.left = inner;
        else parent.right = inner;
        for (let a = parent; a; a = a.parent) {
          a.n++;
          for (let i = 0; i < d; i++) {
            if (p[i]! < a.min[i]!) a.min[i] = p[i]!;
            if (p[i]! > a.max[i]!) a.max[i] = p[i]!;
          }
        }
        return leaf;
      }
      // Descend (node must be internal here: a leaf's box is a point, so some cut separates).
      node = p[node.dim]! <= node.cut ? node.left! : node.right!;
    }
  }

  /** Removes one occurrence of the point held by `leaf`. */
  remove(leaf: RNode): void {
    if (leaf.n > 1) {
      for (let a: RNode | null = leaf; a; a = a.parent) a.n--;
      return;
    }
    const parent = leaf.parent;
    this.nodeCount--;
    if (parent === null) {
      this.root = null;
      return;
    }
    const sibling = parent.left === leaf ? parent.right! : parent.left!;
    const grand = parent.parent;
    sibling.parent = grand;
    this.nodeCount--;
    if (grand === null) {
      this.root = sibling;
      return;
    }
    if (grand.left === parent) grand.left = sibling;
    else grand.right = sibling;
    for (let a: RNode | null = grand; a; a = a.parent) {
      a.n--;
      const l = a.left!;
      const r = a.right!;
      for (let i = 0; i < a.min.length; i++) {
        a.min[i] = Math.min(l.min[i]!, r.min[i]!);
        a.max[i] = Math.max(l.max[i]!, r.max[i]!);
      }
    }
  }

  /** Collusive displacement of the point at `leaf` (Guha et al. 2016, Def. 6). */
  codisp(leaf: RNode): number {
    let best = 0;
    for (let node = leaf; node.parent; node = node.parent) {
      const parent = node.parent;
      const sibling = parent.left === node ? parent.right! : parent.left!;
      const disp = sibling.n / node.n;
      if (disp > best) best = disp;
    }
    return best;
  }

  private leaf(p: Float64Array): RNode {
    this.nodeCount++;
    const box = Float64Array.from(p);
    return { parent: null, left: null, right: null, dim: -1, cut: 0, min: box, max: box, n: 1 };
  }
}

export interface RcfOptions {
  trees?: number; // default 40
  windowSize?: number; // points kept per tree, default 256
  shingleSize?: number; // default 8
  seed?: number; // default 1
}

/** Streaming RCF detector. Score in [0,1]: log(1 + mean CoDisp) / log(1 + windowSize). */
export class RcfDetector implements Detector {
  readonly name = 'rcf';
  private readonly trees: RandomCutTree[];
  private readonly leaves: RNode[][]; // per tree: FIFO of leaves in the sliding window
  private readonly heads: number[];
  private readonly shingle: number[][] = [];
  private readonly windowSize: number;
  private readonly shingleSize: number;
  private dims = -1;
  lastCodisp = 0;

  constructor(opts: RcfOptions = {}) {
    const trees = opts.trees ?? 40;
    this.windowSize = opts.windowSize ?? 256;
    this.shingleSize = opts.shingleSize ?? 8;
    const rand = mulberry32(opts.seed ?? 1);
    this.trees = Array.from({ length: trees }, () => new RandomCutTree(rand));
    this.leaves = this.trees.map(() => []);
    this.heads = this.trees.map(() => 0);
  }

  update(_timestamp: number, value: Point): number {
    const v = toVector(value);
    if (this.dims < 0) this.dims = v.length;
    else if (v.length !== this.dims) throw new Error(`rcf: expected ${this.dims} dimensions, got ${v.length}`);
    this.shingle.push(Array.from(v));
    if (this.shingle.length > this.shingleSize) this.shingle.shift();
    if (this.shingle.length < this.shingleSize) return 0;
    const p = new Float64Array(this.dims * this.shingleSize);
    let k = 0;
    for (const s of this.shingle) for (const x of s) p[k++] = x;
    let sum = 0;
    const warm = this.leaves[0]!.length;
    for (let t = 0; t < this.trees.length; t++) {
      const tree = this.trees[t]!;
      const leaf = tree.insert(p);
      sum += tree.codisp(leaf);
      const fifo = this.leaves[t]!;
      fifo.push(leaf);
      if (fifo.length > this.windowSize) tree.remove(fifo.shift()!);
    }
    const codisp = sum / this.trees.length;
    this.lastCodisp = codisp;
    if (warm < 16) return 0; // too few points for a meaningful displacement
    return clamp01(Math.log1p(codisp) / Math.log1p(this.windowSize));
  }

  stateSize(): number {
    let nodes = 0;
    for (const t of this.trees) nodes += t.nodeCount;
    return nodes + this.shingle.length * Math.max(this.dims, 1);
  }
}
