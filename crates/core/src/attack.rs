//! MITRE ATT&CK (Enterprise): the tactic each technique id huoyan emits belongs to. One table for
//! the report's attack story and the timeline's ECS `threat.tactic`.

use serde::Serialize;

/// Enterprise ATT&CK tactics, in kill-chain order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tactic {
    /// TA0043
    Reconnaissance,
    /// TA0001
    InitialAccess,
    /// TA0002
    Execution,
    /// TA0003
    Persistence,
    /// TA0004
    PrivilegeEscalation,
    /// TA0005
    DefenseEvasion,
    /// TA0006
    CredentialAccess,
    /// TA0007
    Discovery,
    /// TA0008
    LateralMovement,
    /// TA0009
    Collection,
    /// TA0011
    CommandAndControl,
    /// TA0010
    Exfiltration,
    /// TA0040
    Impact,
}

impl Tactic {
    /// Its name in English and Chinese.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Tactic::Reconnaissance => ("Reconnaissance", "侦察"),
            Tactic::InitialAccess => ("Initial access", "初始访问"),
            Tactic::Execution => ("Execution", "执行"),
            Tactic::Persistence => ("Persistence", "持久化"),
            Tactic::PrivilegeEscalation => ("Privilege escalation", "权限提升"),
            Tactic::DefenseEvasion => ("Defence evasion", "防御规避"),
            Tactic::CredentialAccess => ("Credential access", "凭据访问"),
            Tactic::Discovery => ("Discovery", "发现"),
            Tactic::LateralMovement => ("Lateral movement", "横向移动"),
            Tactic::Collection => ("Collection", "收集"),
            Tactic::CommandAndControl => ("Command and control", "命令与控制"),
            Tactic::Exfiltration => ("Exfiltration", "数据渗出"),
            Tactic::Impact => ("Impact", "影响"),
        }
    }

    /// The ATT&CK id.
    pub fn id(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "TA0043",
            Tactic::InitialAccess => "TA0001",
            Tactic::Execution => "TA0002",
            Tactic::Persistence => "TA0003",
            Tactic::PrivilegeEscalation => "TA0004",
            Tactic::DefenseEvasion => "TA0005",
            Tactic::CredentialAccess => "TA0006",
            Tactic::Discovery => "TA0007",
            Tactic::LateralMovement => "TA0008",
            Tactic::Collection => "TA0009",
            Tactic::CommandAndControl => "TA0011",
            Tactic::Exfiltration => "TA0010",
            Tactic::Impact => "TA0040",
        }
    }
}

/// The tactic of one technique id (sub-techniques fall back to their parent).
pub fn of_technique(id: &str) -> Option<Tactic> {
    let parent = id.split('.').next().unwrap_or(id);
    Some(match (id, parent) {
        ("T1505.003", _) => Tactic::Persistence,
        ("T1574.006", _) => Tactic::DefenseEvasion,
        (_, "T1595" | "T1592" | "T1589" | "T1590") => Tactic::Reconnaissance,
        (_, "T1078" | "T1190" | "T1133" | "T1189" | "T1195" | "T1199") => Tactic::InitialAccess,
        (_, "T1059" | "T1204" | "T1203" | "T1106" | "T1129") => Tactic::Execution,
        (_, "T1053" | "T1543" | "T1098" | "T1136" | "T1037" | "T1546" | "T1547" | "T1505")
        | (_, "T1556" | "T1542" | "T1554" | "T1176") => Tactic::Persistence,
        (_, "T1548" | "T1068" | "T1611") => Tactic::PrivilegeEscalation,
        (_, "T1070" | "T1014" | "T1036" | "T1564" | "T1574" | "T1562" | "T1222" | "T1027")
        | (_, "T1140" | "T1620" | "T1497") => Tactic::DefenseEvasion,
        (_, "T1110" | "T1003" | "T1552" | "T1555" | "T1040" | "T1056" | "T1212") => {
            Tactic::CredentialAccess
        }
        (_, "T1046" | "T1018" | "T1082" | "T1057" | "T1083" | "T1087" | "T1049") => {
            Tactic::Discovery
        }
        (_, "T1021" | "T1570" | "T1563") => Tactic::LateralMovement,
        (_, "T1005" | "T1560" | "T1119" | "T1074") => Tactic::Collection,
        (_, "T1071" | "T1095" | "T1572" | "T1090" | "T1105" | "T1219" | "T1573" | "T1571") => {
            Tactic::CommandAndControl
        }
        (_, "T1041" | "T1048" | "T1567") => Tactic::Exfiltration,
        (_, "T1496" | "T1485" | "T1486" | "T1489" | "T1490" | "T1491" | "T1498" | "T1499") => {
            Tactic::Impact
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_common_techniques() {
        assert_eq!(of_technique("T1053.003"), Some(Tactic::Persistence));
        assert_eq!(of_technique("T1110.001"), Some(Tactic::CredentialAccess));
        assert_eq!(of_technique("T1505.003"), Some(Tactic::Persistence));
        assert_eq!(of_technique("T1059.004"), Some(Tactic::Execution));
        assert_eq!(of_technique("T9999"), None);
        assert_eq!(Tactic::CommandAndControl.id(), "TA0011");
    }
}
