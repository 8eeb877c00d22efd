// The page's own place in line, derived from the shared queue updates.
// Same rule as videoschalter/domain/queue.py: position_from_changes.

function less(a, b) {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return false;
}

export class Place {
  constructor() { this.reset(null); }

  reset(welcome) {
    this.key = welcome ? welcome.key : null;
    this.position = welcome ? welcome.position : null;
    this.waiting = welcome ? welcome.waiting : null;
    this.version = welcome ? welcome.version : null;
  }

  // Returns false when an update was missed: the page then asks for a fresh view ("sync").
  apply(update) {
    if (this.version === null) return true;
    if (update.version <= this.version) return true; // already known
    if (update.version !== this.version + 1) return false;
    this.version = update.version;
    this.waiting = update.waiting;
    if (this.key && this.position !== null) {
      this.position += update.added.filter((k) => less(k, this.key)).length;
      this.position -= update.removed.filter((k) => less(k, this.key)).length;
    }
    return true;
  }
}

// Same rounding as videoschalter/domain/wait.py: minutes, in 5-minute steps from 10 on.
export function estimateMinutes(status, position) {
  if (!status || position === null || position === undefined) return null;
  const seconds = (status.per_person_s * Math.max(position - 1, 0)) / Math.max(status.clerks_serving, 1);
  const minutes = seconds > 0 ? Math.ceil(seconds / 60 - 1e-9) : 0;
  return minutes < 10 ? minutes : 5 * Math.ceil(minutes / 5);
}
