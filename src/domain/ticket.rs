/// The queue a ticket belongs to, shown as the ticket's letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Appointment,
    WalkIn,
}

impl Queue {
    pub fn prefix(self) -> char {
        match self {
            Queue::Appointment => 'A',
            Queue::WalkIn => 'W',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Appointment => "appointment",
            Queue::WalkIn => "walk_in",
        }
    }
}

/// "A-042": short enough to call out loud, at least three digits so it reads as a number.
pub fn format_ticket(queue: Queue, n: u32) -> String {
    format!("{}-{n:03}", queue.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_read_well() {
        assert_eq!(format_ticket(Queue::Appointment, 42), "A-042");
        assert_eq!(format_ticket(Queue::WalkIn, 7), "W-007");
        assert_eq!(format_ticket(Queue::WalkIn, 1234), "W-1234");
    }
}
