// A conversation's tokens, in one quiet line under its title: what its answers' model calls
// reported (input + output), the split in the tooltip.
const number = new Intl.NumberFormat();

export class UsageLine {
  constructor(node) {
    this.node = node;
    this.reset();
  }

  reset() {
    this.input = 0;
    this.output = 0;
    this.draw();
  }

  add(usage) {
    if (!usage) return;
    this.input += usage.input_tokens ?? 0;
    this.output += usage.output_tokens ?? 0;
    this.draw();
  }

  draw() {
    if (!this.node) return;
    const total = this.input + this.output;
    this.node.hidden = total === 0;
    this.node.textContent = `${number.format(total)} tokens`;
    this.node.title = `${number.format(this.input)} in, ${number.format(this.output)} out`;
  }
}
