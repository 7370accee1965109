/// The one script of the account pages, `/ui/assets/gatehouse.js`: the browser's part of the passkey
/// ceremonies, which only `navigator.credentials` can do.
///
/// It shows the passkey forms (hidden without it, or without WebAuthn), gets the options, asks the
/// authenticator, puts `credential.toJSON()` in the form's hidden `credential` field and submits the
/// form, so the server answers with a page as for any other form.
enum PageScript {
    static let source = #"""
        "use strict";
        (() => {
          const supported = window.PublicKeyCredential
            && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
            && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
          if (!supported) return;
          for (const element of document.querySelectorAll("[data-passkeys]")) element.hidden = false;

          const show = (form, message) => {
            const alert = form.querySelector(".passkey-alert");
            alert.textContent = message;
            alert.hidden = false;
          };

          const login = document.getElementById("passkey-login-form");
          if (login) {
            login.addEventListener("submit", async (event) => {
              event.preventDefault();
              try {
                const response = await fetch("/v1/passkeys/authentication/options", {
                  method: "POST", credentials: "same-origin", headers: {"X-Gatehouse-CSRF": "1"},
                });
                if (!response.ok) throw new Error("options");
                const options = PublicKeyCredential.parseRequestOptionsFromJSON(await response.json());
                const credential = await navigator.credentials.get({publicKey: options});
                login.elements.credential.value = JSON.stringify(credential.toJSON());
                login.submit();
              } catch {
                show(login, "No passkey was used. Try again, or log in with your password.");
              }
            });
          }

          const add = document.getElementById("passkey-add-form");
          if (add) {
            add.addEventListener("submit", async (event) => {
              event.preventDefault();
              const body = new URLSearchParams(new FormData(add));
              body.delete("credential");
              let answer;
              try {
                const response = await fetch("/ui/account/passkeys/options", {method: "POST", credentials: "same-origin", body});
                answer = await response.json();
                if (!response.ok) {
                  show(add, answer.error.message);
                  return;
                }
              } catch {
                show(add, "The passkey could not be started. Reload the page and try again.");
                return;
              }
              try {
                const options = PublicKeyCredential.parseCreationOptionsFromJSON(answer);
                const credential = await navigator.credentials.create({publicKey: options});
                add.elements.credential.value = JSON.stringify(credential.toJSON());
                for (const name of ["passkey_password", "passkey_code"]) {
                  if (add.elements[name]) add.elements[name].value = "";
                }
                add.submit();
              } catch {
                show(add, "No passkey was made. Try again.");
              }
            });
          }
        })();
        """#
}
