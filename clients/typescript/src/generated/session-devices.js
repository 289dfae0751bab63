// Generated from src/session-devices/ by esbuild: do not edit.
// Rebuild with `npm run build:element` in clients/typescript (or `npm run ui:build` in the registry).

// src/session-devices/dom.js
var ICON_PATHS = {
  desktop: '<rect x="3" y="4" width="18" height="12" rx="1.5"/><path d="M8 20h8M12 16v4"/>',
  mobile: '<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/>',
  tablet: '<rect x="4.5" y="2.5" width="15" height="19" rx="2"/><path d="M11 18.5h2"/>',
  bot: '<rect x="5" y="8" width="14" height="11" rx="2"/><path d="M12 4v4M9 13h.01M15 13h.01M9.5 16.5h5M3 12v3M21 12v3"/>',
  tv: '<rect x="2.5" y="5" width="19" height="12" rx="1.5"/><path d="M8 21h8M9 2l3 3 3-3"/>',
  console: '<path d="M6 9h12a4 4 0 0 1 4 4v2a3 3 0 0 1-5.4 1.8L15.5 15h-7l-1.1 1.8A3 3 0 0 1 2 15v-2a4 4 0 0 1 4-4z"/><path d="M7 12v3M5.5 13.5h3M16 12.5h.01M18 14h.01"/>',
  wearable: '<rect x="7" y="6" width="10" height="12" rx="2.5"/><path d="M9 6l.6-3.5h4.8L15 6M9 18l.6 3.5h4.8L15 18M12 10v2.5l1.5 1"/>',
  app: '<rect x="3.5" y="3.5" width="7" height="7" rx="1.8"/><rect x="13.5" y="3.5" width="7" height="7" rx="1.8"/><rect x="3.5" y="13.5" width="7" height="7" rx="1.8"/><rect x="13.5" y="13.5" width="7" height="7" rx="1.8"/>',
  unknown: '<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17.5h.01"/>',
  warning: '<path d="M12 3.5 2.5 20h19z"/><path d="M12 10v4.5M12 17.5h.01"/>',
  check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>'
};
function icon(name) {
  const template = document.createElement("template");
  const paths = (
    /** @type {Record<string, string>} */
    ICON_PATHS[name] ?? ICON_PATHS.unknown
  );
  template.innerHTML = `<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths}</svg>`;
  return (
    /** @type {Element} */
    template.content.firstElementChild
  );
}
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === void 0 || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(
      key.slice(2),
      /** @type {EventListener} */
      value
    );
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === void 0 || child === false) continue;
    element.append(typeof child === "object" ? child : String(child));
  }
  return element;
}

// src/session-devices/active.js
function renderActive({ m, hx, sessions, locked, othersBusy, onSignOutOthers, card }) {
  const sorted = [...sessions].sort((a, b) => Number(Boolean(b.current)) - Number(Boolean(a.current)));
  const others = sorted.filter((s) => !s.current);
  const section = h("section", { "aria-labelledby": "sd-active-heading", part: "active" });
  const head = h(
    "div",
    { class: "head" },
    h(hx, { id: "sd-active-heading", tabindex: "-1", "data-key": "active-heading" }, m.activeHeading),
    others.length > 0 && !locked ? h(
      "button",
      {
        type: "button",
        class: "danger",
        "data-key": "sign-out-others",
        "aria-haspopup": "dialog",
        disabled: othersBusy,
        onclick: () => onSignOutOthers()
      },
      m.signOutEverywhere
    ) : null
  );
  section.append(head, h("p", { class: "intro" }, m.intro));
  if (locked && others.length > 0) section.append(h("p", { class: "note locked", "data-note": "not-yet-trusted" }, m.notYetTrusted));
  const list = h("ul", { class: "cards", role: "list" });
  for (const session of sorted) list.append(h("li", null, card(session)));
  section.append(list);
  if (others.length === 0) section.append(h("p", { class: "note only" }, m.onlyThisDevice));
  return section;
}
function renderDialog({ m, hx, count, onConfirm, onClose }) {
  const dialog = h(
    "dialog",
    { "aria-labelledby": "sd-confirm-title", "aria-describedby": "sd-confirm-body", part: "dialog" },
    h(hx, { id: "sd-confirm-title" }, m.confirmTitle),
    h("p", { id: "sd-confirm-body" }, m.confirmBody(count)),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { type: "button", "data-key": "dialog-cancel", onclick: () => (
          /** @type {HTMLDialogElement} */
          dialog.close()
        ) },
        m.cancel
      ),
      h(
        "button",
        { type: "button", class: "danger-solid", "data-key": "dialog-confirm", onclick: () => onConfirm() },
        m.confirmAction(count)
      )
    )
  );
  dialog.addEventListener("close", () => onClose());
  return dialog;
}

// src/session-devices/api.js
var ApiError = class extends Error {
  /** @param {number} status @param {string | null} code */
  constructor(status, code) {
    super(`HTTP ${status}${code ? ` ${code}` : ""}`);
    this.status = status;
    this.code = code;
  }
};
var ACTIVE_PAGE = 100;
var MAX_ACTIVE = 500;
var HISTORY_PAGE = 10;
async function callApi(target, method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== void 0) headers["content-type"] = "application/json";
  const response = await fetch(`${target.api}${path}`, {
    method,
    headers,
    credentials: target.credentials,
    body: body === void 0 ? void 0 : JSON.stringify(body)
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data && typeof data.code === "string" ? data.code : null);
  return data;
}
async function loadSessions(call) {
  const active = [];
  let cursor = null;
  do {
    const page = await call("GET", `/sessions?status=active&limit=${ACTIVE_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    active.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && active.length < MAX_ACTIVE);
  return { active, history: await call("GET", `/sessions?status=ended&limit=${HISTORY_PAGE}`) };
}

// src/session-devices/texts/en.js
var en_default = {
  activeHeading: "Active sessions",
  intro: "These devices are signed in to your account. Sign out of any you don’t recognise.",
  historyHeading: "Session history",
  thisDevice: "This device",
  signOut: "Sign out",
  signOutOf: (device) => `Sign out ${device}`,
  signOutEverywhere: "Sign out everywhere else",
  confirmTitle: "Sign out of all other devices?",
  confirmBody: (n) => n === 1 ? "This ends 1 other session. That device will have to sign in again." : `This ends ${n} other sessions. Those devices will have to sign in again.`,
  confirmAction: (n) => n === 1 ? "Sign out 1 session" : `Sign out ${n} sessions`,
  cancel: "Cancel",
  signedOutOne: (device) => `${device} has been signed out.`,
  signedOutMany: (n) => n === 1 ? "1 session has been signed out." : `${n} sessions have been signed out.`,
  onlyThisDevice: "No other device is signed in.",
  ip: "IP address",
  location: "Location",
  lastActive: "Last activity",
  signedIn: "Signed in",
  pagesVisited: "Pages visited",
  device: "Device",
  duration: "Duration",
  howEnded: "How it ended",
  activeNow: "Active now",
  unknown: "Unknown",
  unknownLocation: "Unknown location",
  lessThanAMinute: "less than a minute",
  suspicious: "Suspicious signs",
  risk: {
    new_country: (country) => `First sign-in to your account from ${country}.`,
    new_device: () => "First sign-in to your account from this device.",
    concurrent_countries: (country) => `Signed in from ${country} while your account was in use in another country.`,
    impossible_travel: (country) => `Signed in from ${country} too soon after activity far away: nobody travels that fast.`,
    unusual_hour: () => "Signed in at an hour when you don’t usually sign in.",
    bot: () => "Looks like an automated program rather than a person."
  },
  thisCountry: "this country",
  riskAdvice: "If this wasn’t you, sign it out and change your password.",
  wasThisYou: "Was this you?",
  itWasMe: "Yes, it was me",
  itWasNotMe: "No, it wasn’t me",
  confirmElsewhere: "To confirm that this was you, open this page on another device where you are signed in.",
  notYetTrusted: "This device signed in recently and is not confirmed yet, so it cannot sign out or review your other devices. Confirm it from another device where you are signed in, or try again later.",
  confirmedNote: "You confirmed this was you.",
  confirmedStatus: (device) => `Thanks. ${device} is marked as yours.`,
  reportedStatus: (device) => `${device} has been signed out and reported. Change your password now.`,
  rename: "Rename",
  renameOf: (device) => `Rename ${device}`,
  nameLabel: "Device name",
  save: "Save",
  renamedStatus: (name) => `Renamed to ${name}.`,
  loading: "Loading your sessions…",
  loadFailed: "Your sessions could not be loaded.",
  retry: "Try again",
  signedOutNotice: "You are signed out. Sign in again to see your sessions.",
  actionFailed: "That did not work. Please try again.",
  gone: "That session had already ended. The list is up to date now.",
  showMore: "Show more",
  noHistory: "No ended sessions yet.",
  on: (what, where) => `${what} on ${where}`,
  app: "App",
  types: {
    desktop: "Computer",
    mobile: "Phone",
    tablet: "Tablet",
    bot: "Bot",
    tv: "TV",
    console: "Game console",
    wearable: "Wearable",
    unknown: "Unknown device"
  },
  endReasons: {
    logout: "Signed out",
    revoked: "Ended by the service",
    revoked_by_user: "Signed out from another device",
    password_change: "Password changed",
    admin: "Ended by an administrator",
    idle_timeout: "Expired after inactivity",
    max_age: "Expired: maximum duration reached",
    suspicious: "Ended as suspicious",
    evicted: "Ended: too many sessions",
    reported_by_user: "Reported as not you",
    erased: "Account data erased"
  },
  ended: "Ended"
};

// src/session-devices/texts/fr.js
var fr_default = {
  activeHeading: "Sessions actives",
  intro: "Ces appareils sont connectés à votre compte. Déconnectez ceux que vous ne reconnaissez pas.",
  historyHeading: "Historique des sessions",
  thisDevice: "Cet appareil",
  signOut: "Déconnecter",
  signOutOf: (device) => `Déconnecter ${device}`,
  signOutEverywhere: "Déconnecter tous les autres appareils",
  confirmTitle: "Déconnecter tous les autres appareils ?",
  confirmBody: (n) => n === 1 ? "Cela met fin à 1 autre session. Cet appareil devra se reconnecter." : `Cela met fin à ${n} autres sessions. Ces appareils devront se reconnecter.`,
  confirmAction: (n) => n === 1 ? "Déconnecter 1 session" : `Déconnecter ${n} sessions`,
  cancel: "Annuler",
  signedOutOne: (device) => `${device} a été déconnecté.`,
  signedOutMany: (n) => n === 1 ? "1 session a été déconnectée." : `${n} sessions ont été déconnectées.`,
  onlyThisDevice: "Aucun autre appareil n’est connecté.",
  ip: "Adresse IP",
  location: "Emplacement",
  lastActive: "Dernière activité",
  signedIn: "Connexion",
  pagesVisited: "Pages visitées",
  device: "Appareil",
  duration: "Durée",
  howEnded: "Fin de session",
  activeNow: "Actif maintenant",
  unknown: "Inconnue",
  unknownLocation: "Emplacement inconnu",
  lessThanAMinute: "moins d’une minute",
  suspicious: "Signes d’activité suspecte",
  risk: {
    new_country: (country) => `Première connexion à votre compte depuis ce pays : ${country}.`,
    new_device: () => "Première connexion à votre compte depuis cet appareil.",
    concurrent_countries: (country) => `Connexion depuis ce pays : ${country}, alors que votre compte était utilisé dans un autre pays.`,
    impossible_travel: (country) => `Connexion depuis ce pays : ${country}, trop peu de temps après une activité très éloignée : aucun voyage n’est aussi rapide.`,
    unusual_hour: () => "Connexion à une heure inhabituelle pour vous.",
    bot: () => "Ressemble à un programme automatisé plutôt qu’à une personne."
  },
  thisCountry: "pays inconnu",
  riskAdvice: "Si ce n’était pas vous, déconnectez cette session et changez votre mot de passe.",
  wasThisYou: "Était-ce vous ?",
  itWasMe: "Oui, c’était moi",
  itWasNotMe: "Non, ce n’était pas moi",
  confirmElsewhere: "Pour confirmer que c’était vous, ouvrez cette page sur un autre appareil où vous êtes connecté.",
  notYetTrusted: "Cet appareil s’est connecté récemment et n’est pas encore confirmé : il ne peut ni déconnecter ni vérifier vos autres appareils. Confirmez-le depuis un autre appareil où vous êtes connecté, ou réessayez plus tard.",
  confirmedNote: "Vous avez confirmé que c’était vous.",
  confirmedStatus: (device) => `Merci. ${device} est reconnu comme le vôtre.`,
  reportedStatus: (device) => `${device} a été déconnecté et signalé. Changez votre mot de passe maintenant.`,
  rename: "Renommer",
  renameOf: (device) => `Renommer ${device}`,
  nameLabel: "Nom de l’appareil",
  save: "Enregistrer",
  renamedStatus: (name) => `Renommé en ${name}.`,
  loading: "Chargement de vos sessions…",
  loadFailed: "Impossible de charger vos sessions.",
  retry: "Réessayer",
  signedOutNotice: "Vous êtes déconnecté. Reconnectez-vous pour voir vos sessions.",
  actionFailed: "L’action a échoué. Veuillez réessayer.",
  gone: "Cette session était déjà terminée. La liste est à jour.",
  showMore: "Afficher plus",
  noHistory: "Aucune session terminée pour l’instant.",
  on: (what, where) => `${what} sur ${where}`,
  app: "Application",
  types: {
    desktop: "Ordinateur",
    mobile: "Téléphone",
    tablet: "Tablette",
    bot: "Robot",
    tv: "Télévision",
    console: "Console de jeu",
    wearable: "Objet connecté",
    unknown: "Appareil inconnu"
  },
  endReasons: {
    logout: "Déconnexion",
    revoked: "Terminée par le service",
    revoked_by_user: "Déconnectée depuis un autre appareil",
    password_change: "Mot de passe changé",
    admin: "Terminée par un administrateur",
    idle_timeout: "Expirée après inactivité",
    max_age: "Expirée : durée maximale atteinte",
    suspicious: "Terminée car suspecte",
    evicted: "Terminée : trop de sessions",
    reported_by_user: "Signalée comme n’étant pas vous",
    erased: "Données du compte effacées"
  },
  ended: "Terminée"
};

// src/session-devices/texts/sv.js
var sv_default = {
  activeHeading: "Aktiva sessioner",
  intro: "De här enheterna är inloggade på ditt konto. Logga ut de du inte känner igen.",
  historyHeading: "Sessionshistorik",
  thisDevice: "Den här enheten",
  signOut: "Logga ut",
  signOutOf: (device) => `Logga ut ${device}`,
  signOutEverywhere: "Logga ut från alla andra enheter",
  confirmTitle: "Logga ut från alla andra enheter?",
  confirmBody: (n) => n === 1 ? "Det avslutar 1 annan session. Den enheten måste logga in igen." : `Det avslutar ${n} andra sessioner. De enheterna måste logga in igen.`,
  confirmAction: (n) => n === 1 ? "Logga ut 1 session" : `Logga ut ${n} sessioner`,
  cancel: "Avbryt",
  signedOutOne: (device) => `${device} har loggats ut.`,
  signedOutMany: (n) => n === 1 ? "1 session har loggats ut." : `${n} sessioner har loggats ut.`,
  onlyThisDevice: "Ingen annan enhet är inloggad.",
  ip: "IP-adress",
  location: "Plats",
  lastActive: "Senaste aktivitet",
  signedIn: "Inloggad",
  pagesVisited: "Besökta sidor",
  device: "Enhet",
  duration: "Längd",
  howEnded: "Hur den avslutades",
  activeNow: "Aktiv nu",
  unknown: "Okänd",
  unknownLocation: "Okänd plats",
  lessThanAMinute: "mindre än en minut",
  suspicious: "Tecken på misstänkt aktivitet",
  risk: {
    new_country: (country) => `Första inloggningen på ditt konto från ${country}.`,
    new_device: () => "Första inloggningen på ditt konto från den här enheten.",
    concurrent_countries: (country) => `Inloggning från ${country} medan ditt konto användes i ett annat land.`,
    impossible_travel: (country) => `Inloggning från ${country} för kort tid efter aktivitet långt bort: ingen reser så snabbt.`,
    unusual_hour: () => "Inloggning vid en tid då du inte brukar logga in.",
    bot: () => "Ser ut som ett automatiserat program snarare än en människa."
  },
  thisCountry: "ett okänt land",
  riskAdvice: "Om det inte var du: logga ut sessionen och byt lösenord.",
  wasThisYou: "Var det du?",
  itWasMe: "Ja, det var jag",
  itWasNotMe: "Nej, det var inte jag",
  confirmElsewhere: "Bekräfta att det var du genom att öppna den här sidan på en annan enhet där du är inloggad.",
  notYetTrusted: "Den här enheten loggade in nyligen och är inte bekräftad än, så den kan inte logga ut eller granska dina andra enheter. Bekräfta den från en annan enhet där du är inloggad, eller försök igen senare.",
  confirmedNote: "Du har bekräftat att det var du.",
  confirmedStatus: (device) => `Tack. ${device} är markerad som din.`,
  reportedStatus: (device) => `${device} har loggats ut och rapporterats. Byt lösenord nu.`,
  rename: "Byt namn",
  renameOf: (device) => `Byt namn på ${device}`,
  nameLabel: "Enhetens namn",
  save: "Spara",
  renamedStatus: (name) => `Nytt namn: ${name}.`,
  loading: "Hämtar dina sessioner…",
  loadFailed: "Det gick inte att hämta dina sessioner.",
  retry: "Försök igen",
  signedOutNotice: "Du är utloggad. Logga in igen för att se dina sessioner.",
  actionFailed: "Det gick inte. Försök igen.",
  gone: "Den sessionen hade redan avslutats. Listan är uppdaterad nu.",
  showMore: "Visa fler",
  noHistory: "Inga avslutade sessioner ännu.",
  on: (what, where) => `${what} på ${where}`,
  app: "App",
  types: {
    desktop: "Dator",
    mobile: "Telefon",
    tablet: "Surfplatta",
    bot: "Robot",
    tv: "TV",
    console: "Spelkonsol",
    wearable: "Bärbar enhet",
    unknown: "Okänd enhet"
  },
  endReasons: {
    logout: "Utloggad",
    revoked: "Avslutad av tjänsten",
    revoked_by_user: "Utloggad från en annan enhet",
    password_change: "Lösenordet byttes",
    admin: "Avslutad av en administratör",
    idle_timeout: "Gick ut efter inaktivitet",
    max_age: "Gick ut: maxtiden nådd",
    suspicious: "Avslutad som misstänkt",
    evicted: "Avslutad: för många sessioner",
    reported_by_user: "Rapporterad som inte du",
    erased: "Kontots data raderades"
  },
  ended: "Avslutad"
};

// src/session-devices/texts/index.js
var MESSAGES = { en: en_default, fr: fr_default, sv: sv_default };
var LANGUAGES = (
  /** @type {Language[]} */
  Object.keys(MESSAGES)
);

// src/session-devices/format.js
function chooseLanguage(element) {
  const own = element.closest("[lang]")?.getAttribute("lang") ?? "";
  const candidates = [own, ...typeof navigator === "undefined" ? [] : navigator.languages ?? [navigator.language]].filter(Boolean);
  for (const tag of candidates) {
    const primary = (
      /** @type {Language} */
      tag.toLowerCase().split("-")[0]
    );
    if (LANGUAGES.includes(primary)) {
      let locale = tag;
      try {
        locale = Intl.getCanonicalLocales(tag)[0];
      } catch {
        locale = primary;
      }
      return { language: primary, locale };
    }
  }
  return { language: "en", locale: "en" };
}
function createFormat(locale) {
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const number = new Intl.NumberFormat(locale);
  let regions = null;
  try {
    regions = new Intl.DisplayNames([locale], { type: "region" });
  } catch {
    regions = null;
  }
  const unit = (unit2, value) => new Intl.NumberFormat(locale, { style: "unit", unit: unit2, unitDisplay: "long" }).format(value);
  const shortUnit = (unit2, value) => new Intl.NumberFormat(locale, { style: "unit", unit: unit2, unitDisplay: "short" }).format(value);
  return {
    /** @param {string} iso */
    dateTime: (iso) => dateTime.format(new Date(iso)),
    /** @param {number} n */
    number: (n) => number.format(n),
    /** @param {string | null | undefined} code */
    country: (code) => {
      if (!code) return null;
      try {
        return regions?.of(code.toUpperCase()) ?? code;
      } catch {
        return code;
      }
    },
    /** @param {string} iso @param {number} now */
    relative(iso, now) {
      const seconds = Math.round((new Date(iso).getTime() - now) / 1e3);
      const abs = Math.abs(seconds);
      if (abs < 60) return relative.format(0, "second");
      if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
      if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
      if (abs < 86400 * 30) return relative.format(Math.round(seconds / 86400), "day");
      if (abs < 86400 * 365) return relative.format(Math.round(seconds / (86400 * 30)), "month");
      return relative.format(Math.round(seconds / (86400 * 365)), "year");
    },
    /** @param {number} seconds @param {string} lessThanAMinute */
    duration(seconds, lessThanAMinute) {
      if (seconds < 60) return lessThanAMinute;
      const days = Math.floor(seconds / 86400);
      const hours = Math.floor(seconds % 86400 / 3600);
      const minutes = Math.floor(seconds % 3600 / 60);
      if (days === 0 && hours === 0) return unit("minute", minutes);
      if (days === 0) return minutes === 0 ? unit("hour", hours) : `${shortUnit("hour", hours)} ${shortUnit("minute", minutes)}`;
      return hours === 0 ? unit("day", days) : `${shortUnit("day", days)} ${shortUnit("hour", hours)}`;
    }
  };
}
function lastActive(iso, now, m, f) {
  return now - new Date(iso).getTime() < 6e4 ? m.activeNow : f.relative(iso, now);
}
function shortVersion(version, parts) {
  if (!version) return "";
  return version.split(".").slice(0, parts).join(".");
}
function describe(session, m) {
  const isApp = session.client.kind === "app";
  const software = isApp ? [session.client.name, shortVersion(session.client.version, 2)] : session.browser.name ? [session.browser.name, shortVersion(session.browser.version, 1)] : [session.client.name, shortVersion(session.client.version, 2)];
  const what = software.filter(Boolean).join(" ");
  const os = [session.os.name, session.os.version].filter(Boolean).join(" ");
  const type = (
    /** @type {Record<string, string>} */
    m.types[session.device.type] ?? m.types.unknown
  );
  const label = what && os ? m.on(what, os) : what || os || type;
  const hardware = [session.device.vendor, session.device.model].filter(Boolean).join(" ");
  const kind = isApp ? `${m.app} · ${type}` : type;
  const name = typeof session.name === "string" && session.name.trim() ? session.name.trim() : null;
  return {
    title: name ?? label,
    subtitle: [name ? label : null, kind, hardware || null].filter(Boolean).join(" · "),
    icon: isApp ? "app" : session.device.type
  };
}
function placeOf(location, f) {
  if (!location) return null;
  const country = f.country(location.countryCode) ?? location.country;
  const parts = [location.city, location.region, country].filter((part, i, all) => part && all.indexOf(part) === i);
  return parts.length ? { text: parts.join(", "), flag: location.flag, country } : null;
}

// src/session-devices/trust.js
var DEFAULT_TRUST_AFTER_SECONDS = 86400;
function awaitsReview(session) {
  return session.risk.flags.length > 0 && session.review?.state === "unreviewed";
}
function trustAfterSeconds(value) {
  const seconds = value === null || value.trim() === "" ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_TRUST_AFTER_SECONDS;
}
function notYetTrusted(active, trustAfter, now) {
  const current = active.find((session) => session.current);
  if (!current || !awaitsReview(current)) return false;
  return now - new Date(current.createdAt).getTime() < trustAfter * 1e3;
}
function trustRefusal(code, m) {
  if (code === "confirm_from_another_device") return m.confirmElsewhere;
  if (code === "session_not_yet_trusted") return m.notYetTrusted;
  return null;
}

// src/session-devices/card.js
function renderCard(session, view) {
  const { m, f, hy, busy } = view;
  const { title, subtitle, icon: iconName } = describe(session, m);
  const place = placeOf(session.location, f);
  const flagged = session.risk.flags.length > 0;
  const titleId = `sd-title-${session.id}`;
  const now = Date.now();
  const card = h("article", {
    class: `card${session.current ? " current" : ""}${flagged ? " flagged" : ""}`,
    "aria-labelledby": titleId,
    tabindex: "-1",
    "data-key": `card-${session.id}`,
    "data-session-id": session.id,
    part: `card${session.current ? " current-card" : ""}`
  });
  const heading = h(
    "div",
    { class: "title" },
    h(hy, { id: titleId }, title),
    session.current ? h("span", { class: "badge", "data-badge": "this-device" }, icon("check"), m.thisDevice) : null
  );
  card.append(h("div", { class: "icon", "data-device": iconName }, icon(iconName)), heading, h("p", { class: "subtitle" }, subtitle));
  const body = h("div", { class: "body" });
  if (flagged) body.append(renderRisk(session, view));
  const field = (name, label, value) => h("div", { "data-field": name }, h("dt", null, label), h("dd", null, value));
  body.append(
    h(
      "dl",
      null,
      field("ip", m.ip, session.ip ?? m.unknown),
      field(
        "location",
        m.location,
        place ? [place.flag ? h("span", { class: "flag", "aria-hidden": "true" }, place.flag) : null, place.text] : m.unknownLocation
      ),
      field(
        "last-active",
        m.lastActive,
        h(
          "time",
          { datetime: session.lastActiveAt, "data-relative": "", "data-active": "", title: f.dateTime(session.lastActiveAt) },
          lastActive(session.lastActiveAt, now, m, f)
        )
      ),
      field("signed-in", m.signedIn, h("time", { datetime: session.createdAt }, f.dateTime(session.createdAt))),
      field("pages", m.pagesVisited, f.number(session.activity.pageViews))
    )
  );
  if (view.renaming && "name" in session) {
    const inputId = `sd-name-${session.id}`;
    const form = h(
      "form",
      {
        class: "rename",
        onsubmit: (event) => {
          event.preventDefault();
          const input = (
            /** @type {HTMLInputElement} */
            form.querySelector("input")
          );
          view.onRename(input.value);
        }
      },
      h(
        "label",
        { for: inputId },
        m.nameLabel,
        h("input", {
          id: inputId,
          name: "name",
          maxlength: "64",
          value: session.name ?? "",
          autocomplete: "off",
          "data-key": `name-input-${session.id}`
        })
      ),
      h("button", { type: "submit", class: "primary", disabled: busy }, m.save),
      h("button", { type: "button", onclick: () => view.onRenameCancel() }, m.cancel)
    );
    body.append(form);
  }
  const actions = h("div", { class: "actions" });
  if ("name" in session && !view.renaming) {
    actions.append(
      h(
        "button",
        { type: "button", "data-key": `rename-${session.id}`, "aria-label": m.renameOf(title), onclick: () => view.onRenameStart() },
        m.rename
      )
    );
  }
  if (!session.current && !view.locked) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "data-key": `sign-out-${session.id}`,
          "data-action": "sign-out",
          "aria-label": m.signOutOf(title),
          disabled: busy,
          onclick: () => view.onSignOut()
        },
        m.signOut
      )
    );
  }
  if (actions.childElementCount > 0) body.append(actions);
  card.append(body);
  return card;
}
function renderRisk(session, view) {
  const { m, f, busy } = view;
  const country = f.country(session.location?.countryCode) ?? session.location?.country ?? m.thisCountry;
  const reasons = session.risk.flags.map((flag) => {
    const say = (
      /** @type {Record<string, ((country: string) => string) | undefined>} */
      m.risk[flag]
    );
    return h("li", { "data-flag": flag }, say ? say(country) : flag);
  });
  const box = h("div", { class: "risk", "data-risk": "" }, h("h4", null, icon("warning"), m.suspicious), h("ul", null, reasons));
  const review = session.review;
  if (awaitsReview(session) && session.current) {
    box.append(
      h(
        "div",
        { class: "review", role: "group", "aria-label": m.wasThisYou },
        h("p", null, m.wasThisYou),
        h("p", { class: "note", "data-note": "confirm-elsewhere" }, m.confirmElsewhere)
      )
    );
  } else if (review && review.state === "unreviewed") {
    if (view.locked) return box;
    box.append(
      h(
        "div",
        { class: "review", role: "group", "aria-label": m.wasThisYou },
        h("p", null, m.wasThisYou),
        h(
          "button",
          {
            type: "button",
            "data-action": "confirm",
            "data-key": `confirm-${session.id}`,
            disabled: busy,
            onclick: () => view.onReview("confirm")
          },
          m.itWasMe
        ),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            "data-action": "report",
            "data-key": `report-${session.id}`,
            disabled: busy,
            onclick: () => view.onReview("report")
          },
          m.itWasNotMe
        )
      )
    );
  } else if (review && review.state === "confirmed") {
    box.append(h("p", { class: "note" }, m.confirmedNote));
  } else if (!session.current) {
    box.append(h("p", null, m.riskAdvice));
  }
  return box;
}

// src/session-devices/history.js
function renderHistory({ m, f, hx, sessions, more, onMore }) {
  const section = h("section", { "aria-labelledby": "sd-history-heading", part: "history" });
  section.append(
    h(hx, { id: "sd-history-heading", class: "history-heading", tabindex: "-1", "data-key": "history-heading" }, m.historyHeading)
  );
  if (sessions.length === 0) {
    section.append(h("p", { class: "empty" }, m.noHistory));
    return section;
  }
  const now = Date.now();
  const rows = sessions.map((session) => {
    const { title, subtitle } = describe(session, m);
    const place = placeOf(session.location, f);
    const reason = session.endReason ? (
      /** @type {Record<string, string>} */
      m.endReasons[session.endReason] ?? m.ended
    ) : m.ended;
    const cell = (label, field, ...content) => h("td", { "data-label": label, "data-field": field }, h("div", null, ...content));
    const sub = (content) => h("div", { class: "sub" }, content);
    return h(
      "tr",
      { "data-key": `history-${session.id}`, tabindex: "-1", "data-session-id": session.id },
      cell(m.device, "device", h("div", null, title), sub(subtitle)),
      cell(
        m.location,
        "location",
        place ? [place.flag ? h("span", { class: "flag", "aria-hidden": "true" }, place.flag) : null, place.text] : m.unknownLocation,
        session.ip ? sub(session.ip) : null
      ),
      cell(m.signedIn, "signed-in", h("time", { datetime: session.createdAt }, f.dateTime(session.createdAt))),
      cell(m.duration, "duration", f.duration(session.durationSeconds, m.lessThanAMinute)),
      cell(
        m.howEnded,
        "end-reason",
        h("div", { "data-reason": session.endReason ?? "" }, reason),
        session.endedAt ? sub(
          h(
            "time",
            { datetime: session.endedAt, "data-relative": "", title: f.dateTime(session.endedAt) },
            f.relative(session.endedAt, now)
          )
        ) : null
      )
    );
  });
  section.append(
    h(
      "table",
      null,
      h("caption", { class: "sr-only" }, m.historyHeading),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          [m.device, m.location, m.signedIn, m.duration, m.howEnded].map((label) => h("th", { scope: "col" }, label))
        )
      ),
      h("tbody", null, rows)
    )
  );
  if (more) {
    section.append(
      h("div", { class: "more" }, h("button", { type: "button", "data-key": "more-history", onclick: () => onMore() }, m.showMore))
    );
  }
  return section;
}

// src/session-devices/style.js
var STYLE = `
:host {
  --sd-font: inherit;
  --sd-fg: #1b1f24;
  --sd-muted: #59636e;
  --sd-bg: #ffffff;
  --sd-surface: #f6f8fa;
  --sd-border: #d5dae0;
  --sd-accent: #1a5fd0;
  --sd-accent-fg: #ffffff;
  --sd-danger: #b42318;
  --sd-danger-fg: #ffffff;
  --sd-success-bg: #dcf5e3;
  --sd-success-fg: #14532d;
  --sd-warning-bg: #fff5e1;
  --sd-warning-fg: #6a3f00;
  --sd-warning-border: #eec169;
  --sd-focus: #1a5fd0;
  --sd-radius: 12px;
  --sd-gap: 16px;
  display: block;
  color: var(--sd-fg);
  font-family: var(--sd-font);
  line-height: 1.45;
  container-type: inline-size;
}
@media (prefers-color-scheme: dark) {
  :host {
    --sd-fg: #e6e9ed;
    --sd-muted: #a7b0ba;
    --sd-bg: #1d2127;
    --sd-surface: #252a31;
    --sd-border: #3b424c;
    --sd-accent: #8ab4f8;
    --sd-accent-fg: #0b1a33;
    --sd-danger: #ffb4ab;
    --sd-danger-fg: #410002;
    --sd-success-bg: #1b4029;
    --sd-success-fg: #b4ecc5;
    --sd-warning-bg: #3b2d11;
    --sd-warning-fg: #ffdc9a;
    --sd-warning-border: #7d5d1c;
    --sd-focus: #8ab4f8;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
h2, h3 { margin: 0; line-height: 1.25; }
h2 { font-size: 1.25rem; }
h3 { font-size: 1rem; overflow-wrap: anywhere; }
p { margin: 0; }
:focus-visible { outline: 3px solid var(--sd-focus); outline-offset: 2px; }
[tabindex="-1"]:focus { outline: none; }
[tabindex="-1"]:focus-visible { outline: 3px solid var(--sd-focus); }
section + section { margin-top: calc(var(--sd-gap) * 2); }
.head { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; margin-bottom: 4px; }
.intro { color: var(--sd-muted); margin-bottom: var(--sd-gap); }
.status { margin: 0 0 var(--sd-gap); padding: 10px 14px; border-radius: var(--sd-radius); background: var(--sd-success-bg); color: var(--sd-success-fg); }
.status:empty { display: none; }
.alert { margin: 0 0 var(--sd-gap); padding: 10px 14px; border-radius: var(--sd-radius); background: var(--sd-warning-bg); color: var(--sd-warning-fg); border: 1px solid var(--sd-warning-border); display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; }
.alert:empty { display: none; }
ul.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px; }
.card { background: var(--sd-bg); border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: var(--sd-gap); display: grid; grid-template-columns: 44px 1fr; gap: 4px 14px; }
.card.current { border-color: var(--sd-accent); box-shadow: inset 0 0 0 1px var(--sd-accent); }
.card.flagged { border-color: var(--sd-warning-border); }
.icon { grid-row: span 2; width: 44px; height: 44px; border-radius: 10px; background: var(--sd-surface); display: grid; place-items: center; color: var(--sd-fg); }
.title { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center; }
.subtitle { color: var(--sd-muted); font-size: 0.925rem; }
.badge { display: inline-flex; align-items: center; gap: 4px; font-size: 0.8rem; font-weight: 600; padding: 2px 10px; border-radius: 999px; background: var(--sd-success-bg); color: var(--sd-success-fg); white-space: nowrap; }
.badge svg { width: 14px; height: 14px; }
.body { grid-column: 1 / -1; display: grid; gap: 12px; margin-top: 8px; }
dl { margin: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(132px, 1fr)); gap: 10px 16px; }
dl div { min-width: 0; }
dt { color: var(--sd-muted); font-size: 0.8rem; }
dd { margin: 0; overflow-wrap: anywhere; }
.flag { margin-inline-end: 6px; }
.risk { border: 1px solid var(--sd-warning-border); background: var(--sd-warning-bg); color: var(--sd-warning-fg); border-radius: calc(var(--sd-radius) - 4px); padding: 10px 12px; }
.risk h4 { margin: 0 0 4px; font-size: 0.925rem; display: flex; gap: 6px; align-items: center; }
.risk h4 svg { width: 18px; height: 18px; flex: none; }
.risk ul { margin: 0 0 6px; padding-inline-start: 20px; }
.review { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-top: 8px; }
.review p { font-weight: 600; }
.review .note { font-weight: 400; flex-basis: 100%; }
.locked { margin-bottom: var(--sd-gap); }
.note { color: var(--sd-muted); font-size: 0.9rem; }
.only { margin-top: 12px; }
.history-heading { margin-bottom: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-end; }
button { font: inherit; font-size: 0.925rem; cursor: pointer; border-radius: 8px; padding: 7px 14px; min-height: 40px; border: 1px solid var(--sd-border); background: var(--sd-bg); color: var(--sd-fg); }
button:hover { background: var(--sd-surface); }
button[disabled] { cursor: progress; opacity: 0.7; }
button.danger { border-color: var(--sd-danger); color: var(--sd-danger); }
button.danger-solid { border-color: var(--sd-danger); background: var(--sd-danger); color: var(--sd-danger-fg); }
button.danger-solid:hover { filter: brightness(0.95); }
button.primary { border-color: var(--sd-accent); background: var(--sd-accent); color: var(--sd-accent-fg); }
button.link { border: none; background: none; color: var(--sd-accent); padding: 4px 0; min-height: 0; text-decoration: underline; }
.rename { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.rename label { display: grid; gap: 4px; font-size: 0.85rem; color: var(--sd-muted); flex: 1 1 180px; }
.rename input { font: inherit; color: var(--sd-fg); background: var(--sd-bg); border: 1px solid var(--sd-border); border-radius: 8px; padding: 8px 10px; min-height: 40px; }
.empty { color: var(--sd-muted); padding: var(--sd-gap); border: 1px dashed var(--sd-border); border-radius: var(--sd-radius); }
table { width: 100%; border-collapse: collapse; font-size: 0.925rem; }
caption { text-align: start; }
th, td { text-align: start; padding: 10px 12px; border-bottom: 1px solid var(--sd-border); vertical-align: top; }
th { color: var(--sd-muted); font-weight: 600; font-size: 0.8rem; }
td .sub { color: var(--sd-muted); font-size: 0.85rem; }
.more { margin-top: 12px; }
dialog { border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: calc(var(--sd-gap) * 1.25); max-width: min(440px, calc(100vw - 32px)); background: var(--sd-bg); color: var(--sd-fg); }
dialog::backdrop { background: rgb(0 0 0 / 0.45); }
dialog p { margin: 8px 0 var(--sd-gap); }
dialog .actions { justify-content: flex-end; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@container (min-width: 760px) {
  dl { grid-template-columns: minmax(110px, 0.9fr) minmax(190px, 1.7fr) repeat(3, minmax(110px, 1fr)); }
}
@container (max-width: 520px) {
  .card { grid-template-columns: 40px 1fr; padding: 14px; }
  .icon { width: 40px; height: 40px; }
  dl { grid-template-columns: 1fr 1fr; }
  .actions { justify-content: stretch; }
  .actions button { flex: 1 1 auto; }
  .head button { width: 100%; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--sd-border); border-radius: var(--sd-radius); padding: 6px 0; margin-bottom: 10px; }
  td { border: none; padding: 4px 14px; display: grid; grid-template-columns: 40% 1fr; gap: 8px; }
  td::before { content: attr(data-label); color: var(--sd-muted); font-size: 0.8rem; }
}
`;

// src/session-devices/element.js
var sheet;
var BaseElement = (
  /** @type {typeof HTMLElement} */
  globalThis.HTMLElement ?? class {
  }
);
var SessionDevicesElement = class extends BaseElement {
  static observedAttributes = ["api", "lang", "credentials", "heading-level", "trust-after"];
  /** @type {ShadowRoot} */
  #root;
  /** @type {Session[]} */
  #active = [];
  /** @type {Session[]} */
  #history = [];
  /** @type {string | null} */
  #historyCursor = null;
  /** @type {'idle' | 'loading' | 'ready' | 'failed' | 'signed-out'} */
  #state = "idle";
  #statusText = "";
  #alertText = "";
  /** @type {Set<string>} */
  #busy = /* @__PURE__ */ new Set();
  /** @type {string | null} */
  #renaming = null;
  /** @type {string | null} */
  #focusAfterRender = null;
  #loadedAt = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #ticker;
  #onVisible = () => {
    if (document.visibilityState === "visible" && this.#state === "ready" && Date.now() - this.#loadedAt > 15e3) void this.refresh();
  };
  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in this.#root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      sheet ??= new CSSStyleSheet();
      if (sheet.cssRules.length === 0) sheet.replaceSync(STYLE);
      this.#root.adoptedStyleSheets = [sheet];
    }
  }
  connectedCallback() {
    document.addEventListener("visibilitychange", this.#onVisible);
    this.#ticker = setInterval(() => this.#updateTimes(), 3e4);
    if (this.#state === "idle") void this.refresh();
    else this.#render();
  }
  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.#onVisible);
    clearInterval(this.#ticker);
  }
  /** @param {string} name @param {string | null} before @param {string | null} after */
  attributeChangedCallback(name, before, after) {
    if (before === after || !this.isConnected) return;
    if (name === "api" || name === "credentials") void this.refresh();
    else this.#render();
  }
  get #api() {
    return (this.getAttribute("api") ?? "").replace(/\/+$/, "");
  }
  get #text() {
    const { language, locale } = chooseLanguage(this);
    return { m: MESSAGES[language], f: createFormat(locale), language, locale };
  }
  /**
   * @param {string} method @param {string} path @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async #call(method, path, body) {
    const credentials = (
      /** @type {RequestCredentials} */
      this.getAttribute("credentials") ?? "same-origin"
    );
    return callApi({ api: this.#api, credentials }, method, path, body);
  }
  /** Loads the active sessions and the first page of history again. */
  async refresh() {
    if (!this.#api) return;
    if (this.#state !== "ready") {
      this.#state = "loading";
      this.#render();
    }
    try {
      const { active, history } = await loadSessions((method, path) => this.#call(method, path));
      this.#active = active;
      this.#history = history.items;
      this.#historyCursor = history.nextCursor;
      this.#state = "ready";
      this.#loadedAt = Date.now();
    } catch (error) {
      this.#fail(error, true);
    }
    this.#render();
  }
  /** @param {unknown} error @param {boolean} loading */
  #fail(error, loading) {
    if (error instanceof ApiError && error.status === 401) {
      this.#state = "signed-out";
      this.dispatchEvent(new CustomEvent("signed-out", { bubbles: true, composed: true }));
      return;
    }
    if (loading) this.#state = "failed";
    else
      this.#alertText = (error instanceof ApiError && error.status === 403 ? trustRefusal(error.code, this.#text.m) : null) ?? this.#text.m.actionFailed;
  }
  async #moreHistory() {
    if (!this.#historyCursor) return;
    try {
      const page = await this.#call(
        "GET",
        `/sessions?status=ended&limit=${HISTORY_PAGE}&cursor=${encodeURIComponent(this.#historyCursor)}`
      );
      this.#history.push(...page.items);
      this.#historyCursor = page.nextCursor;
      this.#focusAfterRender = page.items[0] ? `[data-key="history-${page.items[0].id}"]` : '[data-key="history-heading"]';
    } catch (error) {
      this.#fail(error, false);
    }
    this.#render();
  }
  /** @param {Session} session */
  async #signOut(session) {
    const { m } = this.#text;
    const name = describe(session, m).title;
    const position = this.#active.filter((s) => !s.current).findIndex((s) => s.id === session.id);
    this.#busy.add(session.id);
    this.#statusText = "";
    this.#alertText = "";
    this.#render();
    try {
      const ended = await this.#call("DELETE", `/sessions/${encodeURIComponent(session.id)}`);
      this.#active = this.#active.filter((s) => s.id !== session.id);
      this.#history = [ended, ...this.#history.filter((s) => s.id !== ended.id)];
      this.#statusText = m.signedOutOne(name);
      this.dispatchEvent(new CustomEvent("session-ended", { detail: { id: session.id }, bubbles: true, composed: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#alertText = m.gone;
        this.#busy.delete(session.id);
        await this.refresh();
        return;
      }
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    const others = this.#active.filter((s) => !s.current);
    const next = others[Math.min(position, others.length - 1)] ?? null;
    this.#focusAfterRender = next && next.id !== session.id ? `[data-key="card-${next.id}"]` : '[data-key="active-heading"]';
    this.#render();
  }
  #askSignOutOthers() {
    const dialog = (
      /** @type {HTMLDialogElement | null} */
      this.#root.querySelector("dialog")
    );
    dialog?.showModal();
    dialog?.querySelector('[data-key="dialog-cancel"]')?.focus();
  }
  async #signOutOthers() {
    const { m } = this.#text;
    const dialog = (
      /** @type {HTMLDialogElement | null} */
      this.#root.querySelector("dialog")
    );
    dialog?.close();
    this.#busy.add("others");
    this.#statusText = "";
    this.#alertText = "";
    this.#render();
    try {
      const result = await this.#call("POST", "/sessions/revoke-others");
      const ended = new Set(result.ids);
      this.#active = this.#active.filter((s) => !ended.has(s.id));
      this.#statusText = m.signedOutMany(result.revoked);
      this.dispatchEvent(new CustomEvent("sessions-ended", { detail: { ids: result.ids }, bubbles: true, composed: true }));
      const history = await this.#call("GET", `/sessions?status=ended&limit=${HISTORY_PAGE}`);
      this.#history = history.items;
      this.#historyCursor = history.nextCursor;
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete("others");
    this.#focusAfterRender = '[data-key="active-heading"]';
    this.#render();
  }
  /** @param {Session} session @param {'confirm' | 'report'} verdict */
  async #review(session, verdict) {
    const { m } = this.#text;
    const name = describe(session, m).title;
    this.#busy.add(session.id);
    this.#render();
    try {
      const updated = await this.#call("POST", `/sessions/${encodeURIComponent(session.id)}/${verdict}`);
      if (verdict === "report" || updated.status === "ended") {
        this.#active = this.#active.filter((s) => s.id !== session.id);
        this.#history = [updated, ...this.#history.filter((s) => s.id !== updated.id)];
        this.#statusText = m.reportedStatus(name);
        this.#focusAfterRender = '[data-key="status"]';
      } else {
        this.#active = this.#active.map((s) => s.id === updated.id ? { ...updated, current: s.current } : s);
        this.#statusText = m.confirmedStatus(name);
        this.#focusAfterRender = `[data-key="card-${session.id}"]`;
      }
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    this.#render();
  }
  /** @param {Session} session @param {string} value */
  async #rename(session, value) {
    const { m } = this.#text;
    const name = value.trim().slice(0, 64);
    this.#busy.add(session.id);
    this.#render();
    try {
      const updated = await this.#call("PATCH", `/sessions/${encodeURIComponent(session.id)}`, { name: name || null });
      this.#active = this.#active.map((s) => s.id === updated.id ? { ...updated, current: s.current } : s);
      this.#renaming = null;
      this.#statusText = m.renamedStatus(describe(updated, m).title);
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    this.#focusAfterRender = `[data-key="rename-${session.id}"]`;
    this.#render();
  }
  #updateTimes() {
    const { m, f } = this.#text;
    const now = Date.now();
    for (const time of this.#root.querySelectorAll("time[data-relative]")) {
      const iso = time.getAttribute("datetime");
      if (iso) time.textContent = time.hasAttribute("data-active") ? lastActive(iso, now, m, f) : f.relative(iso, now);
    }
  }
  #render() {
    const { m, f, language } = this.#text;
    const level = Math.min(6, Math.max(1, Number(this.getAttribute("heading-level")) || 2));
    const hx = `h${level}`;
    const hy = `h${Math.min(6, level + 1)}`;
    const focused = (
      /** @type {HTMLElement | null} */
      this.#root.activeElement?.dataset?.key ?? null
    );
    const wasOpen = (
      /** @type {HTMLDialogElement | null} */
      this.#root.querySelector("dialog")?.open ?? false
    );
    const wrapper = h("div", { lang: language, part: "root", "aria-busy": this.#state === "loading" ? "true" : null });
    const status = h("p", { class: "status", role: "status", "data-key": "status", tabindex: "-1", part: "status" }, this.#statusText);
    const alert = h("div", { class: "alert", role: "alert", part: "alert" }, this.#alertText || null);
    wrapper.append(status);
    if (this.#state === "loading" || this.#state === "idle") {
      wrapper.append(h("p", { class: "note" }, m.loading));
    } else if (this.#state === "signed-out") {
      alert.append(m.signedOutNotice);
      wrapper.append(alert);
    } else if (this.#state === "failed") {
      alert.append(
        h("span", null, m.loadFailed),
        h("button", { type: "button", onclick: () => void this.refresh(), "data-key": "retry" }, m.retry)
      );
      wrapper.append(alert);
    } else {
      const locked = notYetTrusted(this.#active, trustAfterSeconds(this.getAttribute("trust-after")), Date.now());
      wrapper.append(
        alert,
        renderActive({
          m,
          hx,
          sessions: this.#active,
          locked,
          othersBusy: this.#busy.has("others"),
          onSignOutOthers: () => this.#askSignOutOthers(),
          card: (session) => renderCard(session, { ...this.#cardView(session, m, f, hy), locked })
        }),
        renderHistory({ m, f, hx, sessions: this.#history, more: Boolean(this.#historyCursor), onMore: () => void this.#moreHistory() })
      );
    }
    wrapper.append(
      renderDialog({
        m,
        hx,
        count: this.#active.filter((s) => !s.current).length,
        onConfirm: () => void this.#signOutOthers(),
        // Closing with Escape or Cancel returns focus to the button that opened it.
        onClose: () => {
          if (!this.#busy.has("others"))
            this.#root.querySelector('[data-key="sign-out-others"]')?.focus();
        }
      })
    );
    if (this.#root.adoptedStyleSheets?.length) this.#root.replaceChildren(wrapper);
    else this.#root.replaceChildren(Object.assign(document.createElement("style"), { textContent: STYLE }), wrapper);
    if (wasOpen) this.#root.querySelector("dialog").showModal();
    const target = this.#focusAfterRender ?? (focused ? `[data-key="${CSS.escape(focused)}"]` : null);
    this.#focusAfterRender = null;
    if (target) this.#root.querySelector(target)?.focus();
  }
  /** What a card shows and does for one session. @param {Session} session @param {Messages} m @param {Format} f @param {string} hy */
  #cardView(session, m, f, hy) {
    return {
      m,
      f,
      hy,
      busy: this.#busy.has(session.id),
      renaming: this.#renaming === session.id,
      onSignOut: () => void this.#signOut(session),
      onReview: (verdict) => void this.#review(session, verdict),
      onRenameStart: () => {
        this.#renaming = session.id;
        this.#focusAfterRender = `[data-key="name-input-${session.id}"]`;
        this.#render();
      },
      onRenameCancel: () => {
        this.#renaming = null;
        this.#focusAfterRender = `[data-key="rename-${session.id}"]`;
        this.#render();
      },
      onRename: (value) => void this.#rename(session, value)
    };
  }
};

// src/session-devices/index.js
if (typeof customElements !== "undefined" && !customElements.get("session-devices")) {
  customElements.define("session-devices", SessionDevicesElement);
}
export {
  LANGUAGES,
  MESSAGES,
  SessionDevicesElement
};
