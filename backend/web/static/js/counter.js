// The message box's counter: shown near the 4,000-character limit, and past it the box is
// invalid (the message is kept whole, never cut) until it is short enough to send.
export const MESSAGE_LIMIT = 4000;
const SHOWN_FROM = 3600;

export function wireCounter(box, counter) {
  const format = new Intl.NumberFormat();
  const update = () => {
    const length = [...box.value].length; // characters, as the server counts them
    const over = length - MESSAGE_LIMIT;
    counter.hidden = length < SHOWN_FROM;
    counter.classList.toggle("over", over > 0);
    counter.textContent = `${format.format(length)} of ${format.format(MESSAGE_LIMIT)} characters`
      + (over > 0 ? `: ${format.format(over)} too many` : "");
    box.setCustomValidity(over > 0
      ? `This message is ${format.format(over)} characters too long; shorten it to send it.`
      : "");
  };
  box.addEventListener("input", update);
  return update;
}
