/* The disclosure page (GDPR Art. 15): its print button opens the browser's print dialogue,
   where the page prints as it is or is saved as PDF. */
const button = document.getElementById("print-disclosure");
if (button) button.addEventListener("click", () => { window.print(); });
